create table t(id integer primary key, a text, b int not null default 0, check (b >= 0));
create table log(msg text);
create trigger t_log after insert on t begin insert into log values ('a;' || new.a); end;
