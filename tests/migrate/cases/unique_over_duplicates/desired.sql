create table t(id integer primary key, email text);
create unique index t_email on t(email);
