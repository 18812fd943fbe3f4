create table t(id integer primary key, a text);
create table log(msg text);
create trigger t_ins after insert on t begin insert into log values ('new;' || new.a); end;
