package backup

// CheapKDF makes the backups of a test encrypt with the cheapest scrypt
// cost that Decrypt accepts.
func CheapKDF() { kdfLogN = 15 }
