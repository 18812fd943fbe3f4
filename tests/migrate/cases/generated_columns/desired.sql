create table t(id integer primary key, price real, qty int, total real generated always as (price * qty) stored, label text as ('#' || id) virtual);
