create table p(id integer primary key, name text);
create table c(id integer primary key, p_id int not null references p(id) on delete cascade);
