/// Name, place and company-word tables (`Protocols/synth.md` §3). The weights are approximate
/// counts in thousands of bearers, rounded from Statistics Sweden's public name statistics
/// (first names as given names of the whole population; surnames as family names); names of
/// immigrant origin from the same statistics' most common non-Nordic names. They are our own
/// tables: nothing here is a real person's record.
enum Tables {
    static func parse(_ text: String) -> [(String, Int)] {
        text.split(whereSeparator: { $0 == "," || $0 == "\n" }).map { item in
            let parts = item.split(separator: ":")
            return (parts[0].trimmingCharacters(in: .whitespaces), Int(parts[1])!)
        }
    }

    static let maleNative = WeightedTable(parse(maleNativeText))
    static let maleNativeText = """
        Lars:92,Mikael:85,Anders:85,Johan:79,Erik:75,Per:74,Karl:66,Peter:64,Thomas:57,Jan:55,Daniel:54,
        Fredrik:52,Hans:50,Andreas:50,Stefan:49,Mats:39,Magnus:38,Marcus:37,Jonas:36,Alexander:35,Bo:34,
        Bengt:33,Martin:33,Oskar:32,Niklas:30,Nils:30,Patrik:30,Björn:29,Henrik:28,Leif:27,David:26,
        Emil:26,Sven:25,Göran:25,Christer:24,Simon:22,Filip:21,Viktor:21,Ulf:21,Gustav:20,Sebastian:20,
        Håkan:20,Axel:19,William:19,Lukas:18,Elias:18,Oliver:18,Joakim:18,Hugo:17,Kjell:17,Tobias:17,
        Jakob:16,Rolf:16,Robert:16,Roger:15,Kent:14,Åke:14,Liam:14,Noah:14,Olof:13,Isak:12,Anton:12
        """
    static let femaleNative = WeightedTable(parse(femaleNativeText))
    static let femaleNativeText = """
        Anna:75,Eva:63,Karin:60,Maria:58,Kristina:52,Lena:48,Sara:44,Kerstin:44,Emma:40,Ingrid:40,Marie:38,
        Malin:36,Birgitta:35,Jenny:34,Sofia:34,Johanna:34,Hanna:33,Christina:33,Ulla:32,Linda:32,Elin:31,
        Linnéa:30,Ida:30,Inger:30,Margareta:30,Elisabeth:30,Annika:29,Julia:28,Susanne:28,Helena:28,
        Camilla:25,Åsa:22,Monica:22,Marianne:22,Therese:20,Gunilla:20,Frida:17,Alice:17,Maja:16,
        Louise:15,Ebba:15,Ella:14,Wilma:14,Elsa:14,Anneli:14,Astrid:12,Agnes:12,Alva:11,Saga:11,Ylva:10,
        Märta:6,Signe:6,Stina:8,Cecilia:18,Ann-Christin:9,Eva-Lena:4
        """
    static let maleImmigrant = WeightedTable(parse(maleImmigrantText))
    static let maleImmigrantText = """
        Mohammed:26,Ali:14,Ahmed:12,Omar:8,Hassan:8,Ibrahim:7,Mustafa:6,Ahmad:6,Hussein:5,Adam:5,Yusuf:4,
        Mehmet:4,Khalid:4,Amir:4,Abdullahi:3,Samir:3,Tomasz:3,Piotr:3,Karim:3,Reza:3,Ivan:3,Nikola:2,
        Dragan:2,Juan:2,Carlos:2,Minh:1,Jean-Pierre:1,José:1
        """
    static let femaleImmigrant = WeightedTable(parse(femaleImmigrantText))
    static let femaleImmigrantText = """
        Fatima:9,Maryam:6,Amina:6,Mariam:5,Zahra:5,Leila:4,Yasmin:4,Aisha:4,Zeynep:3,Nour:3,Khadija:3,
        Ewa:3,Agnieszka:3,Katarzyna:3,Olga:3,Elena:3,Noor:3,Ayan:3,Hanan:2,Hiba:2,Rania:2,Hodan:2,
        Fadumo:2,Ana:2,Lucía:1
        """
    static let surnameNative = WeightedTable(parse(surnameNativeText))
    static let surnameNativeText = """
        Andersson:222,Johansson:221,Karlsson:196,Nilsson:154,Eriksson:135,Larsson:112,Olsson:103,
        Persson:96,Svensson:91,Gustafsson:90,Pettersson:86,Jonsson:66,Jansson:44,Hansson:38,Bengtsson:32,
        Jönsson:30,Lindberg:27,Jakobsson:27,Magnusson:27,Olofsson:25,Lindström:25,Lindqvist:23,
        Lindgren:23,Berg:22,Axelsson:22,Bergström:22,Lundberg:21,Lind:21,Lundgren:20,Lundqvist:20,
        Mattsson:19,Berglund:19,Fredriksson:18,Sandberg:18,Henriksson:18,Forsberg:17,Sjöberg:17,
        Wallin:16,Engström:16,Eklund:15,Danielsson:15,Lundin:15,Håkansson:15,Björk:14,Bergman:14,
        Gunnarsson:14,Holm:14,Wikström:14,Samuelsson:14,Isaksson:13,Fransson:13,Bergqvist:13,
        Nyström:13,Holmberg:13,Arvidsson:13,Löfgren:13,Söderberg:12,Nyberg:12,Blomqvist:12,Claesson:12,
        Nordström:12,Mårtensson:12,Lundström:11,Viklund:11,Björklund:11,Eliasson:11,Pålsson:11,
        Berggren:11,Sandström:11,Lund:11,Nordin:10,Ström:10,Åberg:10,Falk:10,Ekström:10,Hermansson:10,
        Holmgren:10,Hellström:9,Dahlberg:9,Hedlund:9,Sundberg:9,Sjögren:9,Ek:8,Öberg:8,Strand:8
        """
    static let surnameImmigrant = WeightedTable(parse(surnameImmigrantText))
    static let surnameImmigrantText = """
        Ali:17,Mohammed:16,Ahmed:12,Hassan:11,Hussein:9,Ibrahim:7,Abdi:6,Omar:6,Nguyen:5,Mahmoud:5,
        Yilmaz:4,Abdullah:4,Osman:4,Kaya:3,Nowak:3,Khalil:3,Yousef:3,Said:3,Jama:3,Hosseini:3,
        Mohamud:3,Kowalski:2,Haddad:2,Jovanović:2,Petrović:2,Rodríguez:2,García:2,Warsame:2,Rahimi:2,
        Karimi:2,Al-Khatib:2,Popescu:1,Demir:2,Öztürk:2
        """

    /// Spelling variants that registers really disagree on; either direction is drawn.
    static let variantGroups: [[String]] = [
        ["Mohammed", "Mohamed", "Muhammad", "Mohammad"], ["Ahmed", "Ahmad"], ["Kristina", "Christina"],
        ["Karl", "Carl"], ["Linnéa", "Linnea"], ["Mikael", "Michael"], ["Oskar", "Oscar"], ["Lukas", "Lucas"],
        ["Filip", "Philip"], ["Viktor", "Victor"], ["Sofia", "Sophia"], ["Eriksson", "Ericsson", "Erikson"],
        ["Johansson", "Johanson"], ["Pettersson", "Petersson", "Peterson"], ["Gustafsson", "Gustavsson"],
        ["Jakobsson", "Jacobsson"], ["Fredriksson", "Fredricsson"], ["Karlsson", "Carlsson"],
        ["Hussein", "Husein", "Hussain"], ["Yousef", "Yusuf", "Youssef"], ["Elisabeth", "Elisabet"],
        ["Therese", "Terese"], ["Monica", "Monika"], ["Jovanović", "Jovanovic"], ["Petrović", "Petrovic"],
        ["Rodríguez", "Rodriguez"], ["García", "Garcia"], ["Mohamud", "Mohamoud"], ["Abdullahi", "Abdulahi"],
        ["Jonsson", "Jonson"], ["Olofsson", "Olovsson"], ["Mattsson", "Matsson"], ["Claesson", "Classon"],
    ]
    static let variants: [String: [String]] = {
        var map: [String: [String]] = [:]
        for group in variantGroups { for name in group { map[name] = group.filter { $0 != name } } }
        return map
    }()

    /// Towns, their postcode prefixes (the first three digits, inclusive) and population in thousands.
    struct Town: Sendable { let name: String; let prefixes: ClosedRange<Int> }
    static let towns = WeightedTable<Town>([
        (Town(name: "Stockholm", prefixes: 111...129), 980), (Town(name: "Göteborg", prefixes: 411...426), 600),
        (Town(name: "Malmö", prefixes: 211...218), 360), (Town(name: "Uppsala", prefixes: 752...757), 240),
        (Town(name: "Linköping", prefixes: 582...589), 165), (Town(name: "Örebro", prefixes: 702...703), 160),
        (Town(name: "Västerås", prefixes: 721...725), 160), (Town(name: "Helsingborg", prefixes: 252...256), 150),
        (Town(name: "Norrköping", prefixes: 602...605), 145), (Town(name: "Jönköping", prefixes: 553...556), 145),
        (Town(name: "Umeå", prefixes: 901...907), 130), (Town(name: "Lund", prefixes: 222...227), 127),
        (Town(name: "Borås", prefixes: 503...507), 115), (Town(name: "Huddinge", prefixes: 141...143), 115),
        (Town(name: "Eskilstuna", prefixes: 632...635), 108), (Town(name: "Gävle", prefixes: 802...806), 104),
        (Town(name: "Halmstad", prefixes: 302...305), 104), (Town(name: "Södertälje", prefixes: 151...152), 102),
        (Town(name: "Sundsvall", prefixes: 852...857), 100), (Town(name: "Växjö", prefixes: 352...355), 97),
        (Town(name: "Karlstad", prefixes: 652...656), 96), (Town(name: "Botkyrka", prefixes: 145...147), 95),
        (Town(name: "Kristianstad", prefixes: 291...291), 86), (Town(name: "Järfälla", prefixes: 175...177), 82),
        (Town(name: "Luleå", prefixes: 972...977), 80), (Town(name: "Kalmar", prefixes: 392...393), 71),
        (Town(name: "Karlskrona", prefixes: 371...371), 67), (Town(name: "Östersund", prefixes: 831...834), 64),
        (Town(name: "Visby", prefixes: 621...621), 61), (Town(name: "Trollhättan", prefixes: 461...462), 60),
        (Town(name: "Falun", prefixes: 791...791), 59), (Town(name: "Nyköping", prefixes: 611...611), 58),
        (Town(name: "Skövde", prefixes: 541...541), 57), (Town(name: "Uddevalla", prefixes: 451...451), 57),
        (Town(name: "Borlänge", prefixes: 784...785), 52), (Town(name: "Motala", prefixes: 591...591), 44),
        (Town(name: "Kiruna", prefixes: 981...981), 23),
    ])

    static let streets = [
        "Storgatan", "Kungsgatan", "Drottninggatan", "Skolgatan", "Kyrkogatan", "Järnvägsgatan", "Parkvägen",
        "Björkvägen", "Ringvägen", "Industrivägen", "Nygatan", "Östra Långgatan", "Västra vägen", "Tallvägen",
        "Granvägen", "Ekvägen", "Lärkvägen", "Sjövägen", "Torggatan", "Villagatan", "Bäckvägen",
        "Hantverkargatan", "Fabriksgatan", "Vasagatan", "Strandvägen", "Åkervägen", "Ängsvägen", "Rosengatan",
    ]

    static let companyWords = [
        "Nordic", "Trygg", "Omtanke", "Livskvalitet", "Hjärta", "Solros", "Kompass", "Fyren", "Ljusglimt",
        "Brobyggarna", "Alfa", "Nova", "Stjärnan", "Kvalitet", "Norrsken", "Sydkust", "Västkust", "Östra",
        "Mitt i", "Smart", "Prima", "Trygghet", "Växa", "Vision", "Atlas", "Pilen", "Ankaret", "Linden",
        "Eken", "Vägen", "Ledstången", "Handen", "Vardag", "Tillsammans", "Glädje", "Framtid", "Bäst",
    ]
}
