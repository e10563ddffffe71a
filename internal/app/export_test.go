package app

// SetAfterAppend makes every ledger append be followed, in the act's
// transaction, by fn: a test fails the act after its entry was written.
func (a *App) SetAfterAppend(fn func() error) { a.afterAppend = fn }
