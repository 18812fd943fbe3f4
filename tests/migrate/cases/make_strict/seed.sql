insert into t(n, s) values (1, 'a'), (2, 'b');
