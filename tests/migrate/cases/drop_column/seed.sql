insert into t(a, old) values ('x', 1);
