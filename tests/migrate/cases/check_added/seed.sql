insert into t(age) values (1), (30);
