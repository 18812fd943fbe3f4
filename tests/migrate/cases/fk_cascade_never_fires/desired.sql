create table p(id integer primary key, name text not null default '', extra real);
create table c(id integer primary key, p_id int not null references p(id) on delete cascade);
