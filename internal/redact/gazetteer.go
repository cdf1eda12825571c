package redact

import "strings"

// Gazetteers. These lists are written for this package from common
// knowledge of the names in use in Spain, Latin America, Brazil, Portugal
// and English-speaking countries (the kind of list any census summary or
// baby-name table shows); nothing is fetched at run time. Entries are
// lower-case with Latin accents folded, as foldTok makes them.

const (
	gGiven   uint8 = 1 << iota // a given name
	gSurname                   // a surname
	gCommon                    // also a common word ("rosa", "cruz", "grace"): needs a capital
	gCity                      // a city or region: never a name, and a postal code's neighbour
	gStop                      // a word that ends or never starts a name
)

var gazetteer = map[string]uint8{}

// gazSet is gazetteer behind a filter, for the look-ups made once per word.
var gazSet *wordSet[uint8]

func addGaz(flag uint8, list string) {
	for _, w := range strings.Fields(list) {
		gazetteer[w] |= flag
	}
}

func init() {
	// Given names, es/pt.
	addGaz(gGiven, `
ana maria jose juan pedro pablo luis carlos jorge miguel angel antonio manuel francisco javier
david daniel alejandro fernando ricardo roberto eduardo alberto sergio raul andres diego felipe
santiago sebastian mateo nicolas martin lucas gabriel rafael enrique ignacio joaquin tomas gonzalo
rodrigo emilio hugo ivan oscar ruben victor adrian alvaro marcos mario julio cesar arturo gustavo
hector hernan ramiro leandro lautaro facundo agustin benjamin bruno thiago tiago vicente cristian
cristobal esteban ezequiel fabian federico gerardo guillermo jaime jesus leonardo lorenzo mauricio
maximiliano nahuel octavio omar orlando patricio ramon salvador samuel saul simon ulises valentin
xavier alfonso alfredo armando baltasar bernardo camilo dario elias emiliano ernesto fidel gilberto
horacio isidro jacinto julian leopoldo marcelo mariano mauro nestor norberto osvaldo pascual renato
rogelio rolando ruy teodoro ubaldo wilson yago
laura lucia sofia sophia valentina camila isabella isabel martina daniela paula andrea carmen
elena marta sara sarah julia alba irene cristina patricia monica beatriz silvia raquel rocio
natalia veronica claudia adriana alejandra carolina gabriela mariana fernanda florencia agustina
micaela milagros catalina antonella ximena jimena lorena marisol yolanda susana teresa josefina
guadalupe esperanza consuelo concepcion inmaculada rosario montserrat nuria noelia ainhoa aitana
lidia miriam nerea olga pilar eva ines ivana jazmin julieta lola luciana magdalena mercedes noemi
paola pamela romina rosana silvana tamara valeria vanesa victoria viviana ximena yesenia zoe
juliana larissa leticia luana manuela priscila rafaela renata tatiana thais vitoria yasmin
joao jose antonio francisco paulo pedro lucas luiz luis marcos gabriel rafael daniel marcelo bruno
eduardo felipe rodrigo guilherme gustavo henrique leonardo matheus mateus vinicius caio diogo
fabio flavio gilson heitor igor jefferson joaquim julio leandro marcio mauricio murilo otavio
renan ricardo rogerio sergio thiago vitor wagner wellington anderson alexandre andre arthur
cristiano davi enzo emanuel everton fernando geraldo higor italo jonas kaique luan miguel nelson
reinaldo ronaldo samuel sebastiao valter wesley
francisca antonia adriana juliana marcia fernanda patricia aline sandra camila amanda bruna
jessica leticia julia luciana vanessa mariana gabriela beatriz larissa debora raquel simone
cristiane daniela carla tatiane renata claudia sonia regina viviane elaine michele priscila
rosangela rita lucia helena eliane aparecida joana conceicao fatima graca leonor madalena
teresa beatriz catarina ines marta matilde rosa sofia leonor carolina diana
`)
	// Given names, en.
	addGaz(gGiven, `
james john robert michael william david richard joseph thomas charles christopher daniel matthew
anthony donald steven paul andrew joshua kenneth kevin brian george edward ronald timothy jason
jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel
gregory alexander frank patrick raymond jack dennis jerry tyler aaron henry adam douglas nathan
peter zachary kyle walter harold jeremy ethan carl keith roger gerald christian terry sean arthur
austin noah lawrence jesse joe bryan billy jordan albert dylan bruce willie gabriel alan juan
logan wayne ralph roy eugene randy vincent russell louis philip bobby johnny bradley liam oliver
elijah owen caleb isaac connor hunter cameron evan luke jayden gavin mason aiden colin ian
mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa margaret
betty sandra ashley dorothy kimberly emily donna michelle carol amanda melissa deborah stephanie
rebecca laura sharon cynthia kathleen amy shirley angela helen anna brenda pamela nicole emma
samantha katherine christine debra rachel catherine carolyn janet ruth maria heather diane
virginia julie joyce victoria olivia kelly christina lauren joan evelyn judith megan cheryl
andrea hannah martha jacqueline frances gloria ann teresa kathryn sara janice jean alice madison
doris abigail julia judy sophia isabella ava mia charlotte amelia harper ella chloe zoey lily
natalie addison aubrey brooklyn leah zoe audrey claire lucy sienna aisha priya fatima mohammed
ahmed ali omar yusuf wei li chen hiroshi yuki kenji
sean siobhan niamh aoife ciaran declan colm eoin
`)
	// Given names that are also common words: they count only written
	// with a capital.
	addGaz(gGiven|gCommon, `
rosa luz cruz paz sol mar pilar dolores amparo nieves angeles soledad gloria milagros
consuelo esperanza rocio aurora estrella celeste alegria
grace hope joy faith summer autumn dawn rose daisy lily ruby amber pearl iris
holly ivy violet jasmine crystal destiny honey sunny sky mark bill will guy pat jack bob rob
frank earl dean drew chase hunter mason cooper carter tucker parker jordan taylor morgan angel
victoria don dona bella clara flor mercedes
`)
	// Surnames, es/pt.
	addGaz(gSurname, `
garcia rodriguez gonzalez fernandez lopez martinez sanchez perez gomez martin jimenez ruiz
hernandez diaz moreno alvarez munoz romero alonso gutierrez navarro torres dominguez vazquez
ramos gil ramirez serrano blanco suarez molina morales ortega delgado castro ortiz rubio marin
sanz nunez iglesias medina garrido cortes castillo santos lozano guerrero cano prieto mendez
cruz calvo gallego vidal leon marquez herrera pena flores cabrera campos vega fuentes carrasco
diez caballero reyes nieto aguilar pascual santana herrero lorenzo montero hidalgo gimenez ibanez
ferrer duran santiago benitez mora vicente vargas arias carmona crespo roman pastor soto saez
velasco moya soler parra esteban bravo gallardo rojas pardo merino franco espinosa izquierdo
lara rivas silva rivera casado arroyo redondo camacho rey vera otero luque galan montes rios
sierra segura carrillo marcos marti soriano mendoza salazar acosta aguirre alvarado avila
barrios bustamante cardenas carvajal cisneros contreras cordero correa cuevas escobar espinoza
estrada figueroa fonseca galindo gallegos godoy guzman ibarra juarez lozada maldonado meza
miranda montoya navarrete ochoa olivares orozco osorio pacheco padilla palacios paredes pineda
ponce quintero quiroga ramos rincon robles rosales salas salinas sandoval sepulveda tapia
trujillo urbina valdez valencia valenzuela velazquez villalobos villanueva zamora zapata zuniga
echeverria etxeberria goikoetxea aguero benavides bermudez cabello calderon chavez colon
delacruz esquivel farias gamboa lucero mansilla mejia monzon paz quintana sosa toledo
oliveira souza sousa lima pereira ferreira alves ribeiro carvalho gomes martins araujo melo
barbosa rocha dias nascimento andrade moreira nunes marques machado mendes freitas cardoso
ramos goncalves santana teixeira vieira azevedo borges pinto coelho cavalcanti cunha correia
lopes batista campos moura monteiro rezende siqueira tavares xavier brito fernandes pires
amaral amorim antunes assis bezerra braga caldeira castro couto damasceno duarte esteves faria
figueiredo fontes franca guimaraes jesus lacerda leal leite magalhaes matos medeiros miranda
moraes neves noronha pacheco paiva peixoto prado queiroz quintela rodrigues sampaio serra
simoes soares torres valente vasconcelos veloso viana almeida
`)
	// Surnames, en.
	addGaz(gSurname, `
smith johnson williams brown jones miller davis wilson anderson taylor thomas moore jackson
martin lee thompson white harris clark lewis robinson walker young allen king wright scott
hill green adams nelson baker hall campbell mitchell carter roberts phillips evans turner parker
collins edwards stewart morris murphy cook rogers morgan cooper peterson bailey reed kelly howard
cox ward richardson watson brooks wood james bennett gray hughes price sanders myers long ross
foster powell jenkins perry russell sullivan bell coleman butler henderson barnes fisher
henry graham reynolds hamilton wallace west cole hayes gibson ellis stone murray ford marshall
owens harrison fernandes mcdonald kennedy wells palmer warren black hunt daniels knight
oneill obrien oconnor mccarthy byrne ryan doyle walsh gallagher brennan quinn fitzgerald
nguyen kim patel singh khan chen wang zhang tanaka suzuki mueller muller schmidt schneider
fischer weber meyer wagner becker hoffmann rossi russo ferrari esposito bianchi romano
`)
	// Surnames that are also common words.
	addGaz(gSurname|gCommon, `
flores rosas leon lobo prado rey paz cruz torres campos rios vega costa rocha moreno blanco
rubio calvo bravo guerra delgado franco castillo iglesias mora pinto serra fontes leal neves
cardoso brown green white black young king wood stone hill bell price long rose ford
`)
	// Cities and regions customers name: never a person's name, and what
	// makes "28013 Madrid" a postal code.
	addGaz(gCity, `
madrid barcelona valencia sevilla zaragoza malaga murcia palma bilbao alicante cordoba valladolid
vigo gijon granada coruna vitoria elche oviedo badalona cartagena terrassa jerez sabadell
mostoles santander pamplona almeria leganes burgos salamanca albacete getafe huelva logrono
badajoz leon cadiz tarragona lleida jaen ourense girona lugo caceres toledo segovia avila
espana spain mexico guadalajara monterrey puebla tijuana leon juarez queretaro merida cancun
toluca chihuahua hermosillo saltillo morelia veracruz oaxaca acapulco aguascalientes culiacan
argentina buenos aires rosario mendoza cordoba tucuman salta mar plata neuquen bahia blanca
colombia bogota medellin cali barranquilla cartagena bucaramanga pereira manizales cucuta ibague
santa marta chile santiago valparaiso peru lima arequipa cusco uruguay montevideo paraguay
asuncion ecuador quito guayaquil venezuela caracas maracaibo bolivia paz
brasil brazil sao rio janeiro belo horizonte brasilia salvador fortaleza recife curitiba
manaus belem goiania campinas guarulhos florianopolis vitoria natal maceio teresina joao pessoa
santos niteroi londrina joinville uberlandia sorocaba osasco campo grande cuiaba aracaju
portugal lisboa lisbon porto braga coimbra faro setubal funchal aveiro
london manchester birmingham liverpool leeds glasgow edinburgh bristol cardiff belfast dublin
york chicago houston phoenix philadelphia antonio diego dallas austin jacksonville columbus
charlotte francisco seattle denver boston miami atlanta orlando vegas portland detroit nashville
angeles texas florida california jersey ontario toronto vancouver
`)
	// Words that end a name or never start one: sentence openers,
	// function words, titles of things, days and months.
	addGaz(gStop, `
hola hello hi hey buenas buenos buen bom boa oi ola gracias obrigado obrigada thanks thank please
por favor para pra com con sin sem with without from de do da del and y e o a os as el la los las
un una uno um uma the an my mi mis meu minha your tu su seu sua this that ese esa este esta isso
esse essa quiero quisiera queria necesito tengo tenho preciso quero gostaria want need have would
could can may might will shall should is are was were am es soy sou estoy estou esta estava fue
foi ser estar ok okay sim si yes no nao not tambien tambem also pero mas but porque because
que what when where how why who quien quem cuando quando donde onde como cual qual
cliente customer client senor senora senhor senhora sr sra srta dr dra mr mrs ms miss sir madam
lunes martes miercoles jueves viernes sabado domingo segunda terca quarta quinta sexta
monday tuesday wednesday thursday friday saturday sunday
enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre
janeiro fevereiro marco maio junho julho setembro outubro novembro dezembro
january february march august september october november december
pedido order compra envio entrega delivery tienda loja store shop equipo equipe team soporte
suporte support atencion atendimento service servicio ayuda ajuda help amazon mercado
iphone samsung xiaomi motorola apple google whatsapp instagram facebook
casa home trabajo trabalho work oficina escritorio office calle rua street avenida avenue
dia tarde noche noite manha morning afternoon evening night hoy hoje today manana amanha
tomorrow ayer ontem yesterday aqui here ali alli there ya ja already
nuevo nova novo new bien bem well fine good bueno boa happy feliz sorry perdon desculpa
listo pronto ready seguro sure just solo only aun ainda still
`)
	gazSet = newWordSet(gazetteer)
}

// particles join the parts of a name: "María José Fernández de la Vega",
// "João Pedro da Silva", "Ludwig van Beethoven".
var particles = map[string]bool{
	"de": true, "del": true, "la": true, "las": true, "los": true, "da": true, "do": true, "dos": true,
	"das": true, "y": true, "e": true, "van": true, "von": true, "der": true, "di": true, "du": true,
	"le": true, "st": true, "mc": true, "mac": true,
}

// placeLead words start the name of a place or an institution, after
// which "Maria Silva" is not a person: "Hospital Santa Maria", "Colegio
// San José", "Rua João Pessoa".
var placeLead = map[string]bool{
	"san": true, "santa": true, "santo": true, "sao": true, "saint": true, "st": true, "hospital": true,
	"colegio": true, "escola": true, "escuela": true, "universidad": true, "universidade": true,
	"university": true, "instituto": true, "institute": true, "banco": true, "bank": true, "hotel": true,
	"farmacia": true, "pharmacy": true, "clinica": true, "clinic": true, "parque": true, "park": true,
	"plaza": true, "praca": true, "estadio": true, "teatro": true, "museo": true, "museu": true,
	"museum": true, "fundacion": true, "fundacao": true, "shopping": true, "centro": true, "center": true,
	"puerto": true, "porto": true, "villa": true, "vila": true, "ciudad": true, "cidade": true,
	"aeroporto": true, "aeropuerto": true, "airport": true, "estacion": true, "estacao": true,
	"station": true, "iglesia": true, "igreja": true, "church": true, "avenida": true, "avenue": true,
	"calle": true, "rua": true, "street": true, "edificio": true, "edificio ": true, "condominio": true,
	"marca": true, "brand": true, "modelo": true, "model": true, "colecao": true, "coleccion": true,
	"collection": true, "linea": true, "linha": true, "line": true,
}
