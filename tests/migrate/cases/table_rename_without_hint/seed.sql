insert into users(name) values ('ada');
