package sso

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gwanmun/gwanmun/internal/domain"
)

// Signing keys live in the database (store.SSOStore), so that every
// process on one PostgreSQL signs with the same key and publishes the
// same JWKS. A process reads them again at most keyCacheTTL after it last
// did, so a rotation made by one process is seen by the others within
// that time.
const keyCacheTTL = 5 * time.Second

// signingKey is a parsed key of the store.
type signingKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.private }
func (k *signingKey) ID() string                                  { return k.id }

// publicKey is a published key (op.Key).
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.private.Public() }

type keyCache struct {
	mu      sync.Mutex
	at      time.Time
	current *signingKey   // newest unretired key
	all     []*signingKey // every published key
	parsed  map[string]*signingKey
}

// keys returns the current signing key and the published ones, creating
// the first key when there is none.
func (p *Provider) keys(ctx context.Context) (*signingKey, []*signingKey, error) {
	c := &p.keyCache
	c.mu.Lock()
	defer c.mu.Unlock()
	now := p.now()
	if c.current != nil && now.Sub(c.at) < keyCacheTTL && now.After(c.at.Add(-time.Second)) {
		return c.current, c.all, nil
	}
	if err := c.load(ctx, p, now); err != nil {
		return nil, nil, err
	}
	if c.current == nil {
		if _, err := p.addKey(ctx, p.alg); err != nil {
			return nil, nil, err
		}
		if err := c.load(ctx, p, now); err != nil {
			return nil, nil, err
		}
		if c.current == nil {
			return nil, nil, errors.New("sso: no signing key after creating one")
		}
	}
	c.at = now
	return c.current, c.all, nil
}

func (c *keyCache) load(ctx context.Context, p *Provider, now time.Time) error {
	rows, err := p.store.ListSSOKeys(ctx, now)
	if err != nil {
		return err
	}
	if c.parsed == nil {
		c.parsed = map[string]*signingKey{}
	}
	c.current, c.all = nil, nil
	for _, r := range rows { // newest first
		k, ok := c.parsed[r.ID]
		if !ok {
			if k, err = parseKey(r); err != nil {
				return err
			}
			c.parsed[r.ID] = k
		}
		c.all = append(c.all, k)
		if c.current == nil && (r.RetireAt.IsZero() || now.Before(r.RetireAt)) {
			c.current = k
		}
	}
	return nil
}

func parseKey(r domain.SSOKey) (*signingKey, error) {
	pk, err := x509.ParsePKCS8PrivateKey(r.Private)
	if err != nil {
		return nil, fmt.Errorf("sso: key %s: %w", r.ID, err)
	}
	s, ok := pk.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("sso: key %s is no signer", r.ID)
	}
	alg := jose.SignatureAlgorithm(r.Alg)
	switch pk.(type) {
	case *rsa.PrivateKey:
		if alg != jose.RS256 {
			return nil, fmt.Errorf("sso: key %s: RSA key with alg %s", r.ID, alg)
		}
	case *ecdsa.PrivateKey:
		if alg != jose.ES256 {
			return nil, fmt.Errorf("sso: key %s: EC key with alg %s", r.ID, alg)
		}
	default:
		return nil, fmt.Errorf("sso: key %s: unsupported key type %T", r.ID, pk)
	}
	return &signingKey{id: r.ID, alg: alg, private: s}, nil
}

// addKey makes a new key of alg and stores it.
func (p *Provider) addKey(ctx context.Context, alg jose.SignatureAlgorithm) (domain.SSOKey, error) {
	var pk crypto.Signer
	var err error
	switch alg {
	case jose.RS256:
		pk, err = rsa.GenerateKey(rand.Reader, 2048)
	case jose.ES256:
		pk, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	default:
		return domain.SSOKey{}, domain.Errorf(domain.EINVALID, "signing algorithm %s is not supported (RS256, ES256)", alg)
	}
	if err != nil {
		return domain.SSOKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(pk)
	if err != nil {
		return domain.SSOKey{}, err
	}
	id := make([]byte, 12)
	rand.Read(id)
	k := domain.SSOKey{ID: base64.RawURLEncoding.EncodeToString(id), Alg: string(alg), Private: der, CreatedAt: p.now()}
	return k, p.store.AddSSOKey(ctx, &k)
}

// RotateKeys makes a new signing key of alg (RS256 or ES256; empty: the
// provider's default) and retires the others: they stop signing now and
// stay published for the longest token lifetime, so that tokens they
// signed still verify until they expire. It returns the new key's ID.
func (p *Provider) RotateKeys(ctx context.Context, alg string) (string, error) {
	a := p.alg
	if alg != "" {
		a = jose.SignatureAlgorithm(alg)
	}
	k, err := p.addKey(ctx, a)
	if err != nil {
		return "", err
	}
	now := p.now()
	if _, err := p.store.RetireSSOKeys(ctx, k.ID, now, now.Add(MaxAccessTTL+time.Minute)); err != nil {
		return "", err
	}
	p.keyCache.mu.Lock()
	p.keyCache.current = nil // read again at the next use
	p.keyCache.mu.Unlock()
	return k.ID, nil
}

// RotateIfOlder rotates when the current key is older than age (the
// scheduled rotation; run it from a periodic job).
func (p *Provider) RotateIfOlder(ctx context.Context, age time.Duration) (bool, error) {
	keys, err := p.store.ListSSOKeys(ctx, p.now())
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if k.RetireAt.IsZero() && p.now().Sub(k.CreatedAt) < age {
			return false, nil
		}
	}
	_, err = p.RotateKeys(ctx, "")
	return err == nil, err
}

// SigningKey, SignatureAlgorithms and KeySet are op.Storage's key methods.
func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	cur, _, err := s.p.keys(ctx)
	if err != nil {
		return nil, err
	}
	return cur, nil
}

func (s *storage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.ES256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	_, all, err := s.p.keys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(all))
	for i, k := range all {
		out[i] = publicKey{k}
	}
	return out, nil
}

// keySet verifies the provider's own tokens (access tokens at userinfo,
// introspection and revocation; ID token hints). A key ID it does not
// know makes it read the keys again: another process may just have
// rotated.
type keySet struct{ p *Provider }

func (ks keySet) VerifySignature(ctx context.Context, jws *jose.JSONWebSignature) ([]byte, error) {
	if len(jws.Signatures) != 1 {
		return nil, errors.New("sso: token must have exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	find := func() *signingKey {
		_, all, err := ks.p.keys(ctx)
		if err != nil {
			return nil
		}
		for _, k := range all {
			if k.id == kid {
				return k
			}
		}
		return nil
	}
	k := find()
	if k == nil {
		ks.p.keyCache.mu.Lock()
		ks.p.keyCache.current = nil
		ks.p.keyCache.mu.Unlock()
		if k = find(); k == nil {
			return nil, errors.New("sso: unknown signing key")
		}
	}
	if jws.Signatures[0].Header.Algorithm != string(k.alg) {
		return nil, errors.New("sso: token algorithm does not match its key")
	}
	return jws.Verify(k.private.Public())
}
