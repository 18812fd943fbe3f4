create virtual table docs using fts5(title, body);
create table notes(id integer primary key, docid int, seen int);
