insert into docs(title, body) values ('a', 'hello world');
insert into notes(docid) values (1);
