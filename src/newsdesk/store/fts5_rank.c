/* An FTS5 ranking function for the SQLite store (newsdesk/store/fts5_rank.py says how it is used).

   weighted_count(articles_fts): the weighted count of the query's first phrase in the current match,
   5 per occurrence in the title, 2 in the authors, 1 in the body: what FTS5's bm25 (without column
   sizes) ranks the matches of a one-phrase query by. It also counts the matches it is called for,
   each once: weighted_count_rows() returns that number (and starts it again from 0) on the same
   connection, and bm25's IDF follows from it, so the store gets bm25's order and scores without the
   second pass over every match that bm25 makes to count them. */
#include <sqlite3.h>

typedef struct {
  sqlite3_int64 rows;  /* matches seen since the last weighted_count_rows() */
  sqlite3_int64 last;  /* the last one's rowid: SQLite may call the function twice for one row */
  int any;
} Seen;

static void weighted_count(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx,
                           int n, sqlite3_value **args) {
  static const int weight[3] = {5, 2, 1};  /* title, authors, body */
  Seen *seen = (Seen *)api->xUserData(fts);
  sqlite3_int64 id = api->xRowid(fts);
  Fts5PhraseIter it;
  int col = -1, off = 0, count = 0;
  (void)n;
  (void)args;
  if (!seen->any || id != seen->last) {
    seen->rows++;
    seen->last = id;
    seen->any = 1;
  }
  if (api->xPhraseCount(fts) < 1) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  if (api->xPhraseFirst(fts, 0, &it, &col, &off) != SQLITE_OK) {
    sqlite3_result_error(ctx, "weighted_count: cannot read the phrase's positions", -1);
    return;
  }
  for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) count += weight[col < 3 ? col : 2];
  sqlite3_result_int(ctx, count);
}

static void weighted_count_rows(sqlite3_context *ctx, int n, sqlite3_value **args) {
  Seen *seen = (Seen *)sqlite3_user_data(ctx);
  (void)n;
  (void)args;
  sqlite3_result_int64(ctx, seen->rows);
  seen->rows = 0;
  seen->any = 0;
}

static int weighted_count_init(sqlite3 *db, char **error, const void *routines) {
  fts5_api *fts = 0;
  sqlite3_stmt *stmt = 0;
  Seen *seen;
  (void)error;
  (void)routines;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) != SQLITE_OK) return SQLITE_OK;
  sqlite3_bind_pointer(stmt, 1, (void *)&fts, "fts5_api_ptr", 0);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (fts == 0 || fts->iVersion < 2) return SQLITE_OK;
  seen = (Seen *)sqlite3_malloc(sizeof *seen);
  if (seen == 0) return SQLITE_OK;
  seen->rows = 0;
  seen->last = 0;
  seen->any = 0;
  if (fts->xCreateFunction(fts, "weighted_count", seen, weighted_count, sqlite3_free) != SQLITE_OK) {
    sqlite3_free(seen);
    return SQLITE_OK;
  }
  /* `seen` lives as long as the connection's FTS5 module, which outlives its SQL functions. */
  sqlite3_create_function(db, "weighted_count_rows", 0, SQLITE_UTF8, seen, weighted_count_rows, 0, 0);
  return SQLITE_OK;
}

/* Called once by fts5_rank.py: every connection SQLite opens from then on gets the two functions. */
int newsdesk_fts5_rank_register(void) {
  return sqlite3_auto_extension((void (*)(void))weighted_count_init);
}
