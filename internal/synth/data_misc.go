package synth

// Distinguishing features as a family (Ukrainian) and the other side
// (Russian) would write them. Generic on purpose.
var features = [][2]string{
	{"шрам над лівою бровою", "шрам над левой бровью"},
	{"родимка на правій щоці", "родинка на правой щеке"},
	{"носить окуляри", "носит очки"},
	{"слід від опіку на лівій руці", "след ожога на левой руке"},
	{"заїкається", "заикается"},
	{"родима пляма на шиї", "родимое пятно на шее"},
	{"немає переднього зуба", "нет переднего зуба"},
	{"шрам на підборідді", "шрам на подбородке"},
	{"пише лівою рукою", "пишет левой рукой"},
	{"носить слуховий апарат", "носит слуховой аппарат"},
	{"цукровий діабет, потребує інсуліну", "сахарный диабет, нуждается в инсулине"},
	{"веснянки на обличчі", "веснушки на лице"},
}

// Kinds of placement and made-up names for the places where the other side
// says a child now lives. The names are the sort of nursery words such
// institutions use («Радуга», "rainbow"); combined with a number they
// describe no real institution.
var (
	placementKinds = []string{
		"Социально-реабилитационный центр для несовершеннолетних",
		"Центр временного размещения",
		"Центр содействия семейному воспитанию",
		"Школа-интернат",
		"Детский дом",
		"Социальный приют для детей",
	}
	placementNames = []string{
		"Радуга", "Солнышко", "Берёзка", "Парус", "Надежда", "Ласточка",
		"Родничок", "Звёздочка", "Дружба", "Маяк", "Огонёк", "Ромашка",
	}
)

// Documents the other side may say it holds for a child.
const (
	docBirthUA    = "свидетельство о рождении (Украина)"
	docBirthRU    = "свидетельство о рождении (Российская Федерация)"
	docPassportUA = "паспорт гражданина Украины"
	docPassportRU = "паспорт гражданина Российской Федерации"
	docMedical    = "медицинская карта"
	docSchool     = "личное дело обучающегося"
)
