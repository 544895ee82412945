package store

import (
	"context"
	"database/sql/driver"
	"sync/atomic"

	"modernc.org/sqlite"
)

// The writer's statements prepared once.
//
// Reads on the read pool are prepared once per connection (prepared.go),
// but a statement inside a write transaction runs on the transaction's
// connection, where database/sql cannot reuse a statement prepared on the
// pool, and the writer's one connection is held by the transaction, so
// nothing can be prepared on the pool meanwhile. Every statement of a write
// was parsed and planned anew: SQLite's prepare was about a third of a
// logged call's or a lead event's CPU under the load mix. The writer's
// connections therefore keep their own statements, by text: a statement
// written with placeholders ("?", "?N") is prepared the first time the
// connection runs it and reused after. One whose values are written into
// its text (as bun writes them) is run as before: it would not recur.

// writerConnAPI is what the writer's connections are: the driver's
// connection, with the hooks the write log registers.
type writerConnAPI interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	sqlite.HookRegisterer
}

// maxWriterStmts bounds the statements a writer connection keeps.
const maxWriterStmts = 256

// stmtConn is a writer connection that keeps its prepared statements.
// database/sql uses a connection from one goroutine at a time, so its
// statements need no lock.
type stmtConn struct {
	writerConnAPI
	stmts    map[string]*keptStmt
	prepared *atomic.Int64 // counts the statements prepared (tests)
}

// keptStmt is a statement a connection keeps; busy while rows it returned
// are open (running it again meanwhile would reset them: the text then
// runs unprepared).
type keptStmt struct {
	stmt interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	}
	busy bool
}

func newStmtConn(c driver.Conn, prepared *atomic.Int64) driver.Conn {
	wc, ok := c.(writerConnAPI)
	if !ok {
		return c
	}
	return &stmtConn{writerConnAPI: wc, stmts: map[string]*keptStmt{}, prepared: prepared}
}

// kept returns the connection's statement for query, preparing it the
// first time; nil when query is not to be kept or its statement is busy.
func (c *stmtConn) kept(ctx context.Context, query string) (*keptStmt, error) {
	if !hasPlaceholder(query) {
		return nil, nil
	}
	if k := c.stmts[query]; k != nil {
		if k.busy {
			return nil, nil
		}
		return k, nil
	}
	if len(c.stmts) >= maxWriterStmts {
		c.drop(false)
	}
	st, err := c.writerConnAPI.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := st.(interface {
		driver.Stmt
		driver.StmtExecContext
		driver.StmtQueryContext
	})
	if !ok {
		st.Close()
		return nil, nil
	}
	c.prepared.Add(1)
	k := &keptStmt{stmt: s}
	c.stmts[query] = k
	return k, nil
}

// drop closes the kept statements (all, or those not busy) and forgets
// them.
func (c *stmtConn) drop(all bool) {
	for q, k := range c.stmts {
		if k.busy && !all {
			continue
		}
		k.stmt.Close()
		delete(c.stmts, q)
	}
}

func (c *stmtConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.kept(ctx, query)
	if err != nil || k == nil {
		if err != nil {
			return nil, err
		}
		return c.writerConnAPI.ExecContext(ctx, query, args)
	}
	k.busy = true
	defer func() { k.busy = false }()
	return k.stmt.ExecContext(ctx, args)
}

func (c *stmtConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.kept(ctx, query)
	if err != nil || k == nil {
		if err != nil {
			return nil, err
		}
		return c.writerConnAPI.QueryContext(ctx, query, args)
	}
	rows, err := k.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	dr, ok := rows.(driverRows)
	if !ok {
		// Not what this driver returns; release the statement at once
		// and let a later use prepare afresh.
		rows.Close()
		delete(c.stmts, query)
		k.stmt.Close()
		return c.writerConnAPI.QueryContext(ctx, query, args)
	}
	k.busy = true
	return &keptRows{driverRows: dr, k: k}, nil
}

func (c *stmtConn) Close() error {
	c.drop(true)
	return c.writerConnAPI.Close()
}

// driverRows is what the driver's rows are.
type driverRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

// keptRows are a kept statement's rows: closing them frees the statement.
type keptRows struct {
	driverRows
	k *keptStmt
}

func (r *keptRows) Close() error {
	err := r.driverRows.Close()
	r.k.busy = false
	return err
}

// hasPlaceholder reports whether query has a "?" outside its quoted
// strings and names: a value to bind, so that the text recurs with other
// values.
func hasPlaceholder(query string) bool {
	var quote byte
	for i := 0; i < len(query); i++ {
		switch c := query[i]; {
		case quote != 0:
			if c == quote {
				quote = 0 // a doubled quote reopens at once: the same
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '?':
			return true
		}
	}
	return false
}
