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
        "code": "app", "order": 6, "name_fr": "Notifications de l'application", "name_en": "App notifications",
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
        "name_fr": "Lettre d'information", "name_en": "Newsletter",
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
        "body_fr": "Nous utilisons l'intelligence artificielle pour aider à rédiger certains messages. Chaque message "
        "écrit avec l'aide d'une IA le dit clairement. Vous choisissez, sujet par sujet, si ces messages peuvent "
        "vous être envoyés, seulement après relecture par une personne, ou jamais. Vous pouvez toujours parler "
        "à une personne.",
        "body_en": "We use artificial intelligence to help write some messages. Every message written with the help "
        "of AI says so clearly. You choose, topic by topic, whether such messages may be sent to you, only after a "
        "person has reviewed them, or never. You can always talk to a person.",
    },
]
