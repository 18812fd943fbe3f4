create table t(id integer primary key, price real, qty int);
