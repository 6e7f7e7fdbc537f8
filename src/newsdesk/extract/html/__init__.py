"""Extraction from HTML: the page is parsed once (`page.parse_page`), flattened to blocks (`dom`),
classified by page type (`page_type`), its body chosen by the learned block model (`blocks`, `learned`,
`stack`, `tidy`, with `body`'s rules as fallback) and its metadata read (`metadata` and its helpers).
`train` and `train_page_type` refit the shipped models in `models/` and `data/`."""

from newsdesk.extract.html.page import extract_html, parse_page

__all__ = ["extract_html", "parse_page"]
