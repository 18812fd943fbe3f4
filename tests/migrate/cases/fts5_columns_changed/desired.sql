create virtual table docs using fts5(title, body);
