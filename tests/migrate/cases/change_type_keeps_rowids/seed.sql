insert into t(rowid, a, b) values (5, 'x', '10'), (9, 'y', '20');
