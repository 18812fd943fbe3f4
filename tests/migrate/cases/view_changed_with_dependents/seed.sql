insert into t(a, b) values ('x', 'y');
