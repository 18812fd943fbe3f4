create table t(id integer primary key, email text, deleted int default 0);
