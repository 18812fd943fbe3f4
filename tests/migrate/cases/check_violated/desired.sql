create table t(id integer primary key, age int check (age >= 0));
