insert into a(x) values ('one');
