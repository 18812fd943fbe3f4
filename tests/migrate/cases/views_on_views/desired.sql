create table t(id integer primary key, a text not null default '');
create view v1 as select id, a from t;
create view v2 as select a from v1 where id > 0;
create table other(x);
create view v3 as select x from other;
