insert into gone(v) values ('x');
