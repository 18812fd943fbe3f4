create table p(id integer primary key);
create table c(id integer primary key, p_id int);
