package names_test

import (
	"fmt"

	"github.com/reunite-ftr/reunite/internal/names"
)

func ExampleTransliterate() {
	fmt.Println(names.Transliterate("Олександр Згурський", names.UkrainianNational2010))
	fmt.Println(names.Transliterate("Александр Згурский", names.RussianICAO2013))
	fmt.Println(names.Transliterate("ЮЛІЯ Щербак", names.UkrainianNational2010))
	// Output:
	// Oleksandr Zghurskyi
	// Aleksandr Zgurskii
	// YULIIA Shcherbak
}
