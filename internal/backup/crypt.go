package backup

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/crypto/scrypt"
)

// The encrypted backup format (version 1). A passphrase becomes a 256-bit
// key with scrypt (golang.org/x/crypto/scrypt) over a random salt; the
// backup is sealed with AES-256-GCM (Go's crypto/aes and crypto/cipher)
// in chunks of 64 KiB, so that files of any size stream:
//
//	header (40 bytes):
//	  magic   "GWANMUN-BACKUP-1" (16 bytes)
//	  logN    1 byte   scrypt cost N = 2^logN (15..22)
//	  r       1 byte   scrypt r (8)
//	  p       1 byte   scrypt p (1)
//	  zero    5 bytes
//	  salt    16 bytes
//	chunks, each: AES-256-GCM(key, nonce, plaintext ≤ 65536 bytes, header)
//	  = ciphertext and its 16-byte tag; nonce = 11-byte big-endian chunk
//	  counter from 0 and a last-chunk flag byte (1 on the last chunk, else 0).
//
// Every chunk authenticates the header; the counter keeps chunks in order
// and the flag makes a truncated file fail (the STREAM construction, as
// in age). The key is unique to the file (its salt), so the counter
// nonces never repeat under one key. The plaintext is the backup itself:
// an SQLite database file or a pg_dump custom-format archive.
const (
	encMagic  = "GWANMUN-BACKUP-1"
	headerLen = 40
	chunkSize = 64 << 10
	tagSize   = 16
)

// kdfLogN is the scrypt cost of new backups: N = 2^17 takes 128 MiB of
// memory and about a second of CPU. Tests lower it (export_test.go).
var kdfLogN byte = 17

// ErrPassphrase is returned when an encrypted backup does not open: a
// wrong passphrase or a damaged file (GCM cannot tell them apart).
var ErrPassphrase = errors.New("backup: wrong passphrase, or the encrypted file is damaged")

// ReadPassphrase reads a passphrase file: its bytes without the trailing
// newline, at least 12 of them.
func ReadPassphrase(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("passphrase file: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) < 12 {
		return nil, fmt.Errorf("passphrase file %s: %d bytes, need at least 12 (e.g. head -c 32 /dev/urandom | base64 > %s)", path, len(b), path)
	}
	return b, nil
}

// Encrypt writes r's bytes to w encrypted under passphrase.
func Encrypt(w io.Writer, r io.Reader, passphrase []byte) error {
	return encrypt(w, r, passphrase, kdfLogN)
}

func encrypt(w io.Writer, r io.Reader, passphrase []byte, logN byte) error {
	hdr := make([]byte, headerLen)
	copy(hdr, encMagic)
	hdr[16], hdr[17], hdr[18] = logN, 8, 1
	if _, err := rand.Read(hdr[24:40]); err != nil {
		return err
	}
	aead, err := newAEAD(passphrase, hdr)
	if err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	// Read one chunk ahead, so that the last chunk is known when sealed.
	cur := make([]byte, chunkSize)
	next := make([]byte, chunkSize)
	n, err := io.ReadFull(r, cur)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	out := make([]byte, 0, chunkSize+tagSize)
	for counter := uint64(0); ; counter++ {
		m, err := io.ReadFull(r, next)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
		last := m == 0
		out = aead.Seal(out[:0], nonce(counter, last), cur[:n], hdr)
		if _, err := w.Write(out); err != nil {
			return err
		}
		if last {
			return nil
		}
		cur, next, n = next, cur, m
	}
}

// Decrypt writes the plaintext of the encrypted backup read from r to w.
// It fails, with ErrPassphrase, on a wrong passphrase or on any damage,
// including truncation; w may then have received a prefix of the
// plaintext, which the caller must discard.
func Decrypt(w io.Writer, r io.Reader, passphrase []byte) error {
	hdr := make([]byte, headerLen)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return fmt.Errorf("backup: not an encrypted gwanmun backup (short header): %w", err)
	}
	if string(hdr[:16]) != encMagic {
		return errors.New("backup: not an encrypted gwanmun backup (bad magic)")
	}
	if hdr[16] < 15 || hdr[16] > 22 || hdr[17] != 8 || hdr[18] != 1 || !bytes.Equal(hdr[19:24], make([]byte, 5)) {
		return errors.New("backup: unsupported encryption parameters")
	}
	aead, err := newAEAD(passphrase, hdr)
	if err != nil {
		return err
	}
	cur := make([]byte, chunkSize+tagSize)
	next := make([]byte, chunkSize+tagSize)
	n, err := io.ReadFull(r, cur)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	var pt []byte
	for counter := uint64(0); ; counter++ {
		if n < tagSize {
			return ErrPassphrase // truncated
		}
		m, err := io.ReadFull(r, next)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return err
		}
		last := m == 0
		if !last && n != chunkSize+tagSize {
			return ErrPassphrase
		}
		pt, err = aead.Open(pt[:0], nonce(counter, last), cur[:n], hdr)
		if err != nil {
			return ErrPassphrase
		}
		if _, err := w.Write(pt); err != nil {
			return err
		}
		if last {
			return nil
		}
		cur, next, n = next, cur, m
	}
}

func newAEAD(passphrase, hdr []byte) (cipher.AEAD, error) {
	if len(passphrase) == 0 {
		return nil, errors.New("backup: empty passphrase")
	}
	key, err := scrypt.Key(passphrase, hdr[24:40], 1<<hdr[16], int(hdr[17]), int(hdr[18]), 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func nonce(counter uint64, last bool) []byte {
	n := make([]byte, 12)
	binary.BigEndian.PutUint64(n[3:11], counter)
	if last {
		n[11] = 1
	}
	return n
}
