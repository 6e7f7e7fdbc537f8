"""Full-text search shared by every store: the tokenizer, the query language and snippets."""
