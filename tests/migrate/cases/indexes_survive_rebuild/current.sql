create table t(id integer primary key, email text, n text);
create unique index t_live on t(lower(email)) where n is not null;
