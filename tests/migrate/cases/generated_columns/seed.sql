insert into t(price, qty) values (2.5, 4);
