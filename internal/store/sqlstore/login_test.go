package sqlstore

import (
	"strings"
	"testing"
)

// The login reads a certificate's registration without its DER; the
// replacement must have found the column.
func TestLoginCertColsLeaveOutDER(t *testing.T) {
	if !strings.Contains(loginCertCols, "NULL AS der") || strings.Count(loginCertCols, ",") != strings.Count(certCols, ",") {
		t.Errorf("loginCertCols = %q, want certCols with der as NULL", loginCertCols)
	}
}
