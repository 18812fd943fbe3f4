insert into t(a) values ('x');
