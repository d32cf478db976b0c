"""The channels and topics every deployment starts with (design.md §2). Supervisors edit them later.

Footprint figures are orders of magnitude, shown to customers as estimates with their source.
"""

from django.utils.translation import gettext_noop as _

# The sources are marked for translation: the stored text is the English one, and the overview shows
# it in the reader's language when it is still the default (a supervisor's own text shows as written).
CHANNELS = [
    {
        "code": "email", "order": 1, "name_fr": "E-mail", "name_en": "Email", "footprint_g_co2e": "4",
        "footprint_source": _(
            "Mike Berners-Lee, How Bad Are Bananas? (2020 edition): about 4 g CO2e for a typical email "
            "read on a device, 0.3 g for a short one, up to 50 g with a large attachment."
        ),
    },
    {
        "code": "sms", "order": 2, "name_fr": "SMS", "name_en": "SMS", "footprint_g_co2e": "0.014",
        "footprint_source": _(
            "Mike Berners-Lee, How Bad Are Bananas? (2010 edition): about 0.014 g CO2e per text message."
        ),
    },
    {
        "code": "postal", "order": 3, "name_fr": "Courrier postal", "name_en": "Postal mail", "footprint_g_co2e": "20",
        "footprint_source": _(
            "Order of magnitude for a letter of a few printed sheets with its envelope, printing, "
            "sorting and delivery included (ADEME Base Empreinte and La Poste's published figures give 10 to 30 g CO2e)."
        ),
    },
    {
        "code": "phone", "order": 4, "name_fr": "Appel téléphonique", "name_en": "Phone call", "footprint_g_co2e": "5",
        "footprint_source": _(
            "Order of magnitude for a call of about five minutes on a mobile network "
            "(Berners-Lee, How Bad Are Bananas?, 2020: roughly 1 g CO2e per minute)."
        ),
    },
    {
        "code": "messaging", "order": 5, "name_fr": "Messagerie (WhatsApp, RCS…)", "name_en": "Messaging (WhatsApp, RCS…)",
        "footprint_g_co2e": "0.2",
        "footprint_source": _(
            "Estimate for a short text message over mobile data, between an SMS and an email "
            "(ADEME, La face cachée du numérique, 2021, for the share of networks and data centres)."
        ),
    },
    {
        "code": "app", "order": 6, "name_fr": "Notifications de l’application", "name_en": "App notifications",
        "footprint_g_co2e": "0.05",
        "footprint_source": _(
            "Estimate for a push notification of a few kilobytes (ADEME, La face cachée du numérique, "
            "2021, energy per kilobyte transferred)."
        ),
    },
]

TOPICS = [
    {
        "code": "security", "kind": "critical", "order": 1, "messages_per_month": "0.2",
        "name_fr": "Sécurité du compte", "name_en": "Account security",
        "description_fr": "Connexions inhabituelles, changements de mot de passe, alertes de fraude.",
        "description_en": "Unusual sign-ins, password changes, fraud alerts.",
        "allowed_channels": ["email", "sms", "phone", "app", "postal"], "default_channels": ["email"],
        "paper_copy_available": False,
    },
    {
        "code": "contract", "kind": "critical", "order": 2, "messages_per_month": "0.2",
        "name_fr": "Contrat et informations légales", "name_en": "Contract and legal notices",
        "description_fr": "Changements de conditions, résiliation, informations que la loi nous oblige à vous donner.",
        "description_en": "Changes to terms, termination, information the law requires us to give you.",
        "allowed_channels": ["email", "postal", "app"], "default_channels": ["email"],
        "paper_copy_available": True,
    },
    {
        "code": "billing", "kind": "service", "order": 3, "messages_per_month": "1",
        "name_fr": "Factures et paiements", "name_en": "Invoices and payments",
        "description_fr": "Vos factures, échéances et confirmations de paiement.",
        "description_en": "Your invoices, due dates and payment confirmations.",
        "allowed_channels": ["email", "postal", "sms", "app"], "default_channels": ["email"],
        "paper_copy_available": True,
    },
    {
        "code": "service", "kind": "service", "order": 4, "messages_per_month": "2",
        "name_fr": "Commandes et rendez-vous", "name_en": "Orders and appointments",
        "description_fr": "Suivi de commande, livraison, rappels de rendez-vous.",
        "description_en": "Order tracking, delivery, appointment reminders.",
        "allowed_channels": ["email", "sms", "messaging", "app", "phone"], "default_channels": ["email"],
        "paper_copy_available": False,
    },
    {
        "code": "offers", "kind": "marketing", "order": 5, "messages_per_month": "4",
        "name_fr": "Offres et promotions", "name_en": "Offers and promotions",
        "description_fr": "Nos offres commerciales et celles de nos partenaires.",
        "description_en": "Our commercial offers and those of our partners.",
        "allowed_channels": ["email", "sms", "postal", "phone", "messaging", "app"], "default_channels": [],
        "paper_copy_available": False,
    },
    {
        "code": "newsletter", "kind": "marketing", "order": 6, "messages_per_month": "1",
        "name_fr": "Lettre d’information", "name_en": "Newsletter",
        "description_fr": "Nos nouveautés, une fois par mois.", "description_en": "Our news, once a month.",
        "allowed_channels": ["email", "postal", "app"], "default_channels": [],
        "paper_copy_available": False,
    },
    {
        "code": "surveys", "kind": "marketing", "order": 7, "messages_per_month": "0.5",
        "name_fr": "Enquêtes de satisfaction", "name_en": "Satisfaction surveys",
        "description_fr": "Votre avis sur nos services.", "description_en": "Your opinion of our services.",
        "allowed_channels": ["email", "sms", "phone"], "default_channels": [],
        "paper_copy_available": False,
    },
]

# An example message per topic (subject and first lines), shown beside the customer's choice. Kept
# apart from TOPICS: migration 0003 creates topics from TOPICS with the fields of its own time, and
# migration 0009 fills these in where a supervisor has written nothing.
TOPIC_EXAMPLES = {
    "security": {
        "example_subject_fr": "Nouvelle connexion à votre compte",
        "example_subject_en": "New sign-in to your account",
        "example_body_fr": "Bonjour, votre compte a été ouvert depuis un nouvel appareil (Firefox, Lyon) "
        "le 3 mars à 21 h 14. Si c’était bien vous, vous n’avez rien à faire ; sinon, changez votre mot de passe.",
        "example_body_en": "Hello, your account was opened from a new device (Firefox, Lyon) on 3 March at "
        "9:14 pm. If it was you, there is nothing to do; if not, change your password.",
    },
    "contract": {
        "example_subject_fr": "Vos conditions générales changent le 1er juin",
        "example_subject_en": "Your terms and conditions change on 1 June",
        "example_body_fr": "Bonjour, nous modifions nos conditions générales à partir du 1er juin. Voici ce qui "
        "change pour vous, en trois points : …",
        "example_body_en": "Hello, we are changing our terms and conditions from 1 June. Here is what changes "
        "for you, in three points: …",
    },
    "billing": {
        "example_subject_fr": "Votre facture de mars est disponible",
        "example_subject_en": "Your March invoice is ready",
        "example_body_fr": "Bonjour, votre facture de mars (42,50 €) est disponible. Elle sera prélevée le 15 avril.",
        "example_body_en": "Hello, your March invoice (€42.50) is ready. It will be debited on 15 April.",
    },
    "service": {
        "example_subject_fr": "Votre commande est en route",
        "example_subject_en": "Your order is on its way",
        "example_body_fr": "Bonjour, votre commande n° 10482 a été expédiée. Elle arrivera jeudi entre 9 h et 13 h.",
        "example_body_en": "Hello, your order no. 10482 has been shipped. It will arrive on Thursday between 9 am and 1 pm.",
    },
    "offers": {
        "example_subject_fr": "−20 % sur votre prochain abonnement",
        "example_subject_en": "20% off your next subscription",
        "example_body_fr": "Bonjour, jusqu’au 30 avril, profitez de 20 % de réduction sur votre prochain abonnement.",
        "example_body_en": "Hello, until 30 April, get 20% off your next subscription.",
    },
    "newsletter": {
        "example_subject_fr": "Les nouveautés d’avril",
        "example_subject_en": "What's new in April",
        "example_body_fr": "Bonjour, ce mois-ci : un nouveau service de rendez-vous en ligne et nos horaires d’été.",
        "example_body_en": "Hello, this month: a new online appointment service and our summer opening hours.",
    },
    "surveys": {
        "example_subject_fr": "Votre avis sur votre dernier rendez-vous ?",
        "example_subject_en": "How was your last appointment?",
        "example_body_fr": "Bonjour, trois questions, deux minutes : comment s’est passé votre rendez-vous du 12 mars ?",
        "example_body_en": "Hello, three questions, two minutes: how did your appointment on 12 March go?",
    },
}

NOTICES = [
    {
        "kind": "privacy",
        "body_fr": "Nous utilisons vos coordonnées uniquement pour vous contacter selon les choix que vous faites ici. "
        "Chaque changement est enregistré pour pouvoir prouver votre consentement. Vous pouvez télécharger vos "
        "données ou supprimer votre compte à tout moment.",
        "body_en": "We use your contact details only to contact you as you choose here. Every change is recorded so "
        "that we can prove your consent. You can download your data or delete your account at any time.",
    },
    {
        "kind": "ai_statement",
        "body_fr": "Nous utilisons l’intelligence artificielle pour aider à rédiger certains messages. Chaque message "
        "écrit avec l’aide d’une IA le dit clairement. Vous choisissez, sujet par sujet, si ces messages peuvent "
        "vous être envoyés, seulement après relecture par une personne, ou jamais. Vous pouvez toujours parler "
        "à une personne.",
        "body_en": "We use artificial intelligence to help write some messages. Every message written with the help "
        "of AI says so clearly. You choose, topic by topic, whether such messages may be sent to you, only after a "
        "person has reviewed them, or never. You can always talk to a person.",
    },
]
