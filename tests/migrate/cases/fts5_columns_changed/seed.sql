insert into docs(title) values ('a');
