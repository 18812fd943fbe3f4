insert into t(n) values (1);
