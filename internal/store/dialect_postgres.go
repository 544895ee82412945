package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

func openPostgres(url string) (*bun.DB, error) {
	sqldb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	sqldb.SetMaxOpenConns(25)
	sqldb.SetMaxIdleConns(25)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	return bun.NewDB(sqldb, pgdialect.New()), nil
}

func pgErrCode(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// pgStorageFault reads the SQLSTATE: disk_full, read_only_sql_transaction
// (a standby, or default_transaction_read_only), io_error.
func pgStorageFault(err error) string {
	switch pgErrCode(err) {
	case "53100":
		return "disk full"
	case "25006":
		return "read-only"
	case "58030":
		return "I/O error"
	}
	return ""
}

// tsQuery is the tsquery text for the search tokens: each a prefix, all
// required ('jan':* & 'doe':*). Tokens hold only letters and digits.
func tsQuery(tokens []string) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = "'" + t + "':*"
	}
	return strings.Join(parts, " & ")
}

// pgSearchNewest returns up to n ids of matching people below before,
// newest first.
func pgSearchNewest(ctx context.Context, db *bun.DB, orgID int64, tokens []string, before int64, n int) ([]int64, error) {
	var ids []int64
	err := db.NewRaw("SELECT id FROM people WHERE org_id = ? AND search_tsv @@ to_tsquery('simple', ?) AND id < ? ORDER BY id DESC LIMIT ?",
		orgID, tsQuery(tokens), before, n).Scan(ctx, &ids)
	return ids, err
}

// migrationLockKey is an arbitrary constant naming Rapport's advisory lock.
const migrationLockKey = 7_261_123_001

// pgLockMigrations holds a session advisory lock so that servers starting
// together migrate one at a time.
func pgLockMigrations(ctx context.Context, db *bun.DB) (func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrationLockKey); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock migrations: %w", err)
	}
	return func() {
		conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock(?)", migrationLockKey)
		conn.Close()
	}, nil
}

// pgListen LISTENs on channel with a connection of its own, until ctx
// ends or the connection fails: then the connection is closed, never put
// back in the pool.
func pgListen(ctx context.Context, sqldb *sql.DB, channel string, ready func(), fn func(string)) error {
	conn, err := sqldb.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) (err error) {
		pc := dc.(*stdlib.Conn).Conn()
		defer func() {
			if ctx.Err() == nil {
				closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
				pc.Close(closeCtx)
				cancel()
			}
		}()
		if _, err := pc.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
			return err
		}
		ready()
		for {
			wctx, cancel := context.WithTimeout(ctx, listenIdle)
			n, err := pc.WaitForNotification(wctx)
			silent := wctx.Err() != nil
			cancel()
			switch {
			case ctx.Err() != nil:
				// The connection goes back to the pool: stop listening.
				pc.Exec(context.WithoutCancel(ctx), "UNLISTEN *")
				return ctx.Err()
			case err != nil && silent:
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				err = pc.Ping(pctx)
				cancel()
				if err != nil {
					return fmt.Errorf("the listening connection does not answer: %w", err)
				}
			case err != nil:
				return err
			default:
				fn(n.Payload)
			}
		}
	})
}

// dollarPlaceholders numbers the "?" of text outside quotes as $1, $2…
// for PostgreSQL, and writes a numbered "?N" (a bound read's) as $N. A
// text uses one form or the other, never both: SQLite numbers a bare "?"
// after a "?N" differently.
func dollarPlaceholders(text string) string {
	var b strings.Builder
	n := 0
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			// "?N" names its value's place; a bare "?" takes the next.
			j := i + 1
			for j < len(text) && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("$" + text[i+1:j])
				i = j - 1
				continue
			}
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
