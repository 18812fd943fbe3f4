create table t(id integer primary key, email text, deleted int default 0);
create unique index t_live_email on t(lower(email)) where deleted = 0;
create index t_deleted on t(id) where deleted;
