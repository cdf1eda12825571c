package store

import (
	"database/sql"
	"errors"
	"fmt"
)

// ErrNoOperator: the operator named does not exist.
var ErrNoOperator = errors.New("store: no such operator")

// OperatorLanguage returns the console language operatorID chose ("" if
// none, or no such operator).
func (t *Tx) OperatorLanguage(operatorID string) (string, error) {
	var lang string
	err := t.queryRow("SELECT language FROM operators WHERE id = ?", operatorID).Scan(&lang)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("store: operator language: %w", err)
	}
	return lang, nil
}

// SetOperatorLanguage records the console language operatorID chose ("" to
// follow the browser again). The caller checks lang is one the console
// speaks; an unknown operator is ErrNoOperator.
func (t *Tx) SetOperatorLanguage(operatorID, lang string) error {
	res, err := t.exec("UPDATE operators SET language = ? WHERE id = ?", lang, operatorID)
	if err != nil {
		return fmt.Errorf("store: set operator language: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return ErrNoOperator
	}
	return nil
}
