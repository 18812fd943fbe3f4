-- A 10-table shop schema for measuring `zen mock` throughput.
CREATE TABLE customers(
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    phone TEXT,
    city TEXT,
    country TEXT,
    created_at TEXT NOT NULL,
    is_active INTEGER NOT NULL
);
CREATE TABLE addresses(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    street TEXT NOT NULL,
    city TEXT NOT NULL,
    postcode TEXT,
    country TEXT
);
CREATE TABLE categories(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    parent_id INTEGER REFERENCES categories(id)
);
CREATE TABLE suppliers(
    id INTEGER PRIMARY KEY,
    company TEXT NOT NULL,
    email TEXT,
    website TEXT,
    country TEXT
);
CREATE TABLE products(
    id INTEGER PRIMARY KEY,
    sku TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    description TEXT,
    price REAL NOT NULL CHECK (price > 0),
    stock INTEGER NOT NULL CHECK (stock >= 0),
    category_id INTEGER REFERENCES categories(id),
    supplier_id INTEGER REFERENCES suppliers(id)
);
CREATE TABLE orders(
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    address_id INTEGER REFERENCES addresses(id),
    status TEXT NOT NULL CHECK (status IN ('new', 'paid', 'shipped', 'cancelled')),
    created_at TEXT NOT NULL,
    total REAL
);
CREATE TABLE order_items(
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    product_id INTEGER NOT NULL REFERENCES products(id),
    quantity INTEGER NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    price REAL NOT NULL
);
CREATE TABLE reviews(
    id INTEGER PRIMARY KEY,
    product_id INTEGER NOT NULL REFERENCES products(id),
    customer_id INTEGER NOT NULL REFERENCES customers(id),
    rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    body TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE payments(
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    amount REAL NOT NULL CHECK (amount >= 0),
    currency TEXT NOT NULL,
    paid_at TEXT
);
CREATE TABLE shipments(
    id INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    tracking_code TEXT UNIQUE,
    shipped_on DATE,
    delivered_at TEXT
);
