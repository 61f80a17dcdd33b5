package pki

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestReadNPKIDirFixtureLayout(t *testing.T) {
	cert := kfFixture(t, "signCert.der")
	key := kfFixture(t, "signPri.key")
	fsys := fstest.MapFS{
		// Mixed case, as copied from Windows.
		"home/NPKI/yessign/User/cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH/SignCert.der": {Data: cert},
		"home/NPKI/yessign/User/cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH/SIGNPRI.KEY":  {Data: key},
		// kmCert only: not a signing certificate.
		"home/NPKI/yessign/USER/cn=other/kmCert.der": {Data: cert},
		// Broken certificate: reported, not fatal.
		"home/NPKI/KICA/USER/cn=broken/signCert.der": {Data: []byte("junk")},
		"home/NPKI/KICA/USER/cn=broken/signPri.key":  {Data: key},
		"unrelated/file.txt":                         {Data: []byte("x")},
	}
	entries, err := ReadNPKIDir(fsys)
	if len(entries) != 1 {
		t.Fatalf("got %d entries, want 1 (err %v)", len(entries), err)
	}
	if err == nil || !strings.Contains(err.Error(), "cn=broken") {
		t.Errorf("error %v should name the broken folder", err)
	}
	e := entries[0]
	if e.CA != "yessign" || !bytes.Equal(e.Cert.Raw, cert) || !bytes.Equal(e.KeyFile, key) {
		t.Errorf("entry CA %q, dir %q", e.CA, e.Dir)
	}
	k, err := DecryptPrivateKey(e.KeyFile, []byte(kfPassword))
	if err != nil || !k.MatchesCertificate(e.Cert) {
		t.Errorf("key from folder: %v", err)
	}
}

func TestWriteReadNPKIDir(t *testing.T) {
	root := t.TempDir()
	dir, err := WriteNPKIDir(root, "yessign", kfFixture(t, "signCert.der"), kfFixture(t, "signPri.key"))
	if err != nil {
		t.Fatal(err)
	}
	wantName := "cn=HKD(KILDONG.HONG)009104120200225191000030,ou=INITECH,ou=personal4IB,o=yessign,c=kr"
	if filepath.Base(dir) != wantName {
		t.Errorf("folder %q, want %q", filepath.Base(dir), wantName)
	}
	if fi, err := os.Stat(filepath.Join(dir, "signPri.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("signPri.key mode: %v %v", fi.Mode(), err)
	}
	// Rooted at the NPKI folder itself.
	entries, err := ReadNPKIDir(os.DirFS(filepath.Join(root, "NPKI")))
	if err != nil || len(entries) != 1 || entries[0].CA != "yessign" {
		t.Fatalf("entries %+v, err %v", entries, err)
	}
	if _, err := WriteNPKIDir(root, "../x", kfFixture(t, "signCert.der"), nil); err == nil {
		t.Error("CA name with a slash accepted")
	}
}
