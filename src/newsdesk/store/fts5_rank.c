/* The SQLite store's first page of a one-phrase query, ranked in C (newsdesk/store/fts5_rank.py says how
   it is used).

   A match's weighted count is its number of occurrences of the query's phrase, 5 per occurrence in the
   title, 2 in the authors, 1 in the body: what FTS5's bm25 (without column sizes) ranks the matches of a
   one-phrase query by, then by rowid. The functions below keep the best k matches by that order in a
   heap and count every match (bm25's IDF follows from the count), so the store gets bm25's first page
   without bm25's second pass over every match and without SQLite sorting every match:

   weighted_top(articles_fts, k): called for the query's first match (`... MATCH ? LIMIT 1`), it walks
     every match of the phrase itself (xQueryPhrase) and returns the page (the blob below). For a prefix
     that walk merges the doclists of all the prefix's words again, as the outer query already did:
     prefixes take the other way.
   weighted_offer(articles_fts, k): called for every match (`... MATCH ? AND weighted_offer(...)`), adds it
     to the heap and returns 0, so that no row leaves the query; weighted_taken() then returns the page
     (and empties the heap for the next query on the connection). Call weighted_taken() before the
     offers too: a query of offers dropped half-read leaves its matches in the heap.

   The page: native 64-bit integers, the number of matches, then (rowid, weighted count) for each of the
   best k, best first. */
#include <sqlite3.h>

#define MOST 10000 /* the largest page (a 160 kB heap a connection, and as much again while a page is
                      returned): beyond it the store ranks with bm25 */

typedef struct {
  sqlite3_int64 id;
  sqlite3_int64 count;
} Hit;

typedef struct {
  Hit *heap;            /* the best `n` of the matches seen, the worst at heap[0] */
  int k, n, size;       /* the page's size, the hits held, the room allocated */
  sqlite3_int64 rows;   /* matches seen */
  sqlite3_int64 last;   /* the last match's rowid: a guard, should a statement call a function twice
                           for one row (the store's statements do not) */
  int any;
  int refs;             /* the functions that free it: weighted_top (with FTS5's module) and
                           weighted_taken (with the connection's SQL functions) */
} Top;

static const int weight[3] = {5, 2, 1}; /* title, authors, body */

/* Whether a ranks below b: a lower count, or the same count and a higher rowid. */
static int below(const Hit *a, const Hit *b) {
  return a->count < b->count || (a->count == b->count && a->id > b->id);
}

static void sift_down(Hit *heap, int n, int i) {
  for (;;) {
    int left = 2 * i + 1, right = left + 1, worst = i;
    Hit swap;
    if (left < n && below(&heap[left], &heap[worst])) worst = left;
    if (right < n && below(&heap[right], &heap[worst])) worst = right;
    if (worst == i) return;
    swap = heap[i];
    heap[i] = heap[worst];
    heap[worst] = swap;
    i = worst;
  }
}

static void sift_up(Hit *heap, int i) {
  while (i > 0) {
    int parent = (i - 1) / 2;
    Hit swap;
    if (!below(&heap[i], &heap[parent])) return;
    swap = heap[i];
    heap[i] = heap[parent];
    heap[parent] = swap;
    i = parent;
  }
}

static void empty(Top *top) {
  top->n = 0;
  top->rows = 0;
  top->any = 0;
}

/* Makes room for a page of k; SQLITE_OK, or an error code with the message in ctx. */
static int size_for(Top *top, sqlite3_context *ctx, sqlite3_value *k) {
  sqlite3_int64 want = sqlite3_value_int64(k);
  if (sqlite3_value_type(k) != SQLITE_INTEGER || want < 1 || want > MOST) {
    sqlite3_result_error(ctx, "fts5_rank: the page's size must be between 1 and 10000", -1);
    return SQLITE_ERROR;
  }
  if (want > top->size) {
    Hit *heap = (Hit *)sqlite3_realloc64(top->heap, (sqlite3_uint64)want * sizeof(Hit));
    if (heap == 0) {
      sqlite3_result_error_nomem(ctx);
      return SQLITE_NOMEM;
    }
    top->heap = heap;
    top->size = (int)want;
  }
  top->k = (int)want;
  return SQLITE_OK;
}

/* Adds the current match of `fts` (its phrase 0) to the heap. */
static int offer(Top *top, const Fts5ExtensionApi *api, Fts5Context *fts) {
  Fts5PhraseIter it;
  int col = -1, off = 0, rc;
  Hit hit;
  hit.id = api->xRowid(fts);
  if (top->any && hit.id == top->last) return SQLITE_OK;
  top->any = 1;
  top->last = hit.id;
  top->rows++;
  hit.count = 0;
  rc = api->xPhraseFirst(fts, 0, &it, &col, &off);
  if (rc != SQLITE_OK) return rc;
  for (; col >= 0; api->xPhraseNext(fts, &it, &col, &off)) hit.count += weight[col < 3 ? col : 2];
  if (top->n < top->k) {
    top->heap[top->n] = hit;
    sift_up(top->heap, top->n++);
  } else if (below(&top->heap[0], &hit)) {
    top->heap[0] = hit;
    sift_down(top->heap, top->n, 0);
  }
  return SQLITE_OK;
}

/* Returns the page as a blob and empties the heap. */
static void result(Top *top, sqlite3_context *ctx) {
  int n = top->n, i;
  sqlite3_int64 *page = (sqlite3_int64 *)sqlite3_malloc64((sqlite3_uint64)(1 + 2 * n) * sizeof *page);
  if (page == 0) {
    empty(top);
    sqlite3_result_error_nomem(ctx);
    return;
  }
  page[0] = top->rows;
  /* Take the worst off the heap n times: the page fills from its end. */
  for (i = n - 1; i >= 0; i--) {
    page[1 + 2 * i] = top->heap[0].id;
    page[2 + 2 * i] = top->heap[0].count;
    top->heap[0] = top->heap[i];
    sift_down(top->heap, i, 0);
  }
  empty(top);
  sqlite3_result_blob64(ctx, page, (sqlite3_uint64)(1 + 2 * n) * sizeof *page, sqlite3_free);
}

typedef struct {
  Top *top;
  int rc;
} Walk;

static int walked(const Fts5ExtensionApi *api, Fts5Context *fts, void *user) {
  Walk *walk = (Walk *)user;
  walk->rc = offer(walk->top, api, fts);
  return walk->rc;
}

static void weighted_top(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n,
                         sqlite3_value **args) {
  Top *top = (Top *)api->xUserData(fts);
  Walk walk;
  int rc;
  empty(top);
  if (n != 1) {
    sqlite3_result_error(ctx, "weighted_top: takes the table and the page's size", -1);
    return;
  }
  if (size_for(top, ctx, args[0]) != SQLITE_OK) return;
  if (api->xPhraseCount(fts) != 1) {
    sqlite3_result_error(ctx, "weighted_top: the query must be one phrase", -1);
    return;
  }
  walk.top = top;
  walk.rc = SQLITE_OK;
  rc = api->xQueryPhrase(fts, 0, &walk, walked);
  if (rc != SQLITE_OK || walk.rc != SQLITE_OK) {
    empty(top);
    sqlite3_result_error_code(ctx, rc != SQLITE_OK ? rc : walk.rc);
    return;
  }
  result(top, ctx);
}

static void weighted_offer(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n,
                           sqlite3_value **args) {
  Top *top = (Top *)api->xUserData(fts);
  int rc;
  if (n != 1) {
    sqlite3_result_error(ctx, "weighted_offer: takes the table and the page's size", -1);
    return;
  }
  if (top->n == 0 && top->rows == 0 && size_for(top, ctx, args[0]) != SQLITE_OK) return;
  if (api->xPhraseCount(fts) != 1) {
    sqlite3_result_error(ctx, "weighted_offer: the query must be one phrase", -1);
    return;
  }
  rc = offer(top, api, fts);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  sqlite3_result_int(ctx, 0);
}

static void weighted_taken(sqlite3_context *ctx, int n, sqlite3_value **args) {
  (void)n;
  (void)args;
  result((Top *)sqlite3_user_data(ctx), ctx);
}

static void forget(void *p) {
  Top *top = (Top *)p;
  if (--top->refs > 0) return;
  sqlite3_free(top->heap);
  sqlite3_free(top);
}

static int weighted_top_init(sqlite3 *db, char **error, const void *routines) {
  fts5_api *fts = 0;
  sqlite3_stmt *stmt = 0;
  Top *top;
  (void)error;
  (void)routines;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) != SQLITE_OK) return SQLITE_OK;
  sqlite3_bind_pointer(stmt, 1, (void *)&fts, "fts5_api_ptr", 0);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (fts == 0 || fts->iVersion < 2) return SQLITE_OK;
  top = (Top *)sqlite3_malloc(sizeof *top);
  if (top == 0) return SQLITE_OK;
  top->heap = 0;
  top->size = 0;
  top->k = 0;
  top->refs = 2;
  empty(top);
  /* One heap per connection, shared by the three functions, freed when both weighted_top (destroyed with
     FTS5's module) and weighted_taken (with the connection's SQL functions) are gone; weighted_offer is
     destroyed with weighted_top. */
  if (fts->xCreateFunction(fts, "weighted_top", top, weighted_top, forget) != SQLITE_OK) {
    sqlite3_free(top);
    return SQLITE_OK;
  }
  fts->xCreateFunction(fts, "weighted_offer", top, weighted_offer, 0);
  /* (Should this fail, SQLite calls forget itself.) */
  sqlite3_create_function_v2(db, "weighted_taken", 0, SQLITE_UTF8, top, weighted_taken, 0, 0, forget);
  return SQLITE_OK;
}

/* Called once by fts5_rank.py: every connection SQLite opens from then on gets the three functions. */
int newsdesk_fts5_rank_register(void) {
  return sqlite3_auto_extension((void (*)(void))weighted_top_init);
}
