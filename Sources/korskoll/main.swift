import KorskollCLI
Korskoll.main()
