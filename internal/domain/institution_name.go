package domain

import "strings"

// provinceShort holds the short names of the 17 시도, by their 2-digit
// administrative code (the first two digits of every region code).
var provinceShort = map[string]string{
	"11": "서울", "26": "부산", "27": "대구", "28": "인천", "29": "광주", "30": "대전",
	"31": "울산", "36": "세종", "41": "경기", "43": "충북", "44": "충남", "46": "전남",
	"47": "경북", "48": "경남", "50": "제주", "51": "강원", "52": "전북",
	"42": "강원", "45": "전북", // the codes before 강원·전북 became 특별자치도
}

// ProvinceShort returns the short name of the province (시도) of a region
// code ("11140" gives "서울"), or "" when the code names none.
func ProvinceShort(regionCode string) string {
	if len(regionCode) < 2 {
		return ""
	}
	return provinceShort[regionCode[:2]]
}

// DisplayName is the institution's name as lists, tables and e-mails
// show it: a health centre with its province in front ("서울 중구보건소",
// "대전 중구보건소"), since 구 names repeat across cities; any other
// institution, or a centre whose name already starts with its province,
// by its name alone.
func (in Institution) DisplayName() string {
	if in.Kind != KindHealthCentre {
		return in.Name
	}
	p := ProvinceShort(in.RegionCode)
	if p == "" || strings.HasPrefix(in.Name, p) {
		return in.Name
	}
	return p + " " + in.Name
}
