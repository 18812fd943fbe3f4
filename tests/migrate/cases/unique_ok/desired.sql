create table t(id integer primary key, email text unique);
