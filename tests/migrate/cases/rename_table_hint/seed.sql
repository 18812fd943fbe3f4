insert into users(name) values ('ada');
insert into posts(user_id) values (1);
