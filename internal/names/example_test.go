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

func ExampleKey() {
	for _, s := range []string{"Олександр", "Oleksander", "Щербак", "Scherbak", "Юлія", "Julia", "Коваль-Шевченко"} {
		fmt.Println(names.Key(s))
	}
	// Output:
	// oleksandr
	// oleksandr
	// sherbak
	// sherbak
	// iulia
	// iulia
	// koval shevchenko
}

func ExampleFamilyKey() {
	fmt.Println(names.FamilyKey("Ковальська") == names.FamilyKey("Kovalsky"))
	fmt.Println(names.FamilyKey("Петрова") == names.FamilyKey("Петров"))
	fmt.Println(names.FamilyKey("Шевченко"))
	// Output:
	// true
	// true
	// shevchenko
}

func ExampleGivenClasses() {
	show := func(s string) {
		var out []string
		for _, id := range names.GivenClasses(s) {
			out = append(out, names.GivenClassName(id))
		}
		fmt.Println(s, out)
	}
	show("Alexander")
	show("Сашко")
	show("Саша")
	show("Natalya")
	// Output:
	// Alexander [Олександр]
	// Сашко [Олександр]
	// Саша [Олександр Олександра]
	// Natalya [Наталія]
}

func ExamplePatronymicClass() {
	for _, s := range []string{"Миколаївна", "Nikolaevich", "Ильич"} {
		c, female := names.PatronymicClass(s)
		fmt.Println(s, names.GivenClassName(c), female)
	}
	// Output:
	// Миколаївна Микола true
	// Nikolaevich Микола false
	// Ильич Ілля false
}

func ExampleToCyrillic() {
	fmt.Println(names.ToCyrillic("Oleksandr")[0])
	fmt.Println(names.ToCyrillic("Aleksandr")[0])
	fmt.Println(names.ToCyrillic("Kovalchuk")[0])
	// Output:
	// Олександр
	// Александр
	// Ковальчук
}
