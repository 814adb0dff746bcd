"""Sentence parts written natively in English and Greek (not translations of one template).

Each language has independent parts a customer would combine: a greeting, what happened (per aspect and
polarity), how it felt, what they want, cues (repeat contact, churn, public-review threat, abuse, sarcasm),
and channel furniture (e-mail subjects, review titles). ``{product}`` is filled with a catalogue name.
"""

from __future__ import annotations

from typing import Any

EN: dict[str, Any] = {
    "greet": ["Hi,", "Hello,", "Good morning,", "Hi there,", "", "", "To whom it may concern,"],
    "repeat": [
        "This is the third time I'm writing about this.",
        "I already complained last week and nothing happened.",
        "Again the same problem.",
        "I've called twice already.",
    ],
    "neg": {
        "delivery": [
            "My parcel still hasn't arrived after ten days.",
            "The courier marked my order as delivered but nothing came.",
            "Delivery was promised for Monday, it's Friday and still nothing.",
            "The {product} arrived with the box crushed and a week late.",
        ],
        "quality": [
            "The {product} stopped working after two uses.",
            "The {product} feels cheap and the lid cracked on day one.",
            "The colour of the {product} is nothing like the photo on your site.",
        ],
        "staff": [
            "The agent was rude and hung up on me.",
            "Your colleague in the store talked down to me like I was wasting his time.",
            "Nobody listened, the lady just kept reading from a script.",
        ],
        "waiting": [
            "I waited 40 minutes on hold and nobody picked up.",
            "I was put on hold three times and then the line dropped.",
            "Your hotline rang forever before anyone answered.",
        ],
        "price": [
            "You promised 30% off and I got 15%.",
            "I was charged twice for the same order.",
            "The price at checkout was higher than the one on the product page.",
        ],
        "website": [
            "The checkout page keeps crashing when I pay.",
            "Your app logs me out every time I open my orders.",
            "The tracking page shows nothing for a week.",
        ],
        "refund": [
            "My refund was cancelled without any explanation.",
            "I returned the {product} a month ago and I still don't have my money back.",
            "You keep sending me forms instead of refunding me.",
        ],
    },
    "pos": {
        "delivery": [
            "The delivery came a day earlier than promised.",
            "The courier was on time and very polite.",
        ],
        "quality": [
            "The {product} works perfectly, great build quality.",
            "Really solid {product}, exactly as described.",
        ],
        "staff": [
            "Your support agent solved my problem in five minutes.",
            "The girl at the counter was patient and kind.",
        ],
        "waiting": [
            "Someone picked up straight away, no waiting at all.",
            "You called me back within ten minutes as promised.",
        ],
        "price": [
            "The discount was applied without me even asking.",
            "Fair price and free shipping, can't complain.",
        ],
        "website": [
            "The new app makes tracking my order really easy.",
            "Checkout took under a minute, well done.",
        ],
        "refund": [
            "The refund was on my card two days after I sent the item back.",
            "Refund sorted quickly and without fuss.",
        ],
    },
    "neutral": [
        "Can you tell me when my order will ship?",
        "What is the warranty period for the {product}?",
        "Do you deliver to Cyprus?",
        "I'd like to change the delivery address for my order.",
        "Is the store on Main Street open on Sunday?",
        "Does the {product} come with a UK plug?",
    ],
    "neg_feel": [
        "This is unacceptable.",
        "I'm really frustrated.",
        "Terrible service.",
        "I feel completely ignored.",
        "Very disappointing.",
        "Honestly, I expected better from you.",
        "What a waste of my time.",
    ],
    "pos_feel": [
        "Very happy.",
        "Excellent service, thank you!",
        "Really impressed.",
        "Love it.",
        "Best support I've had in years.",
    ],
    "ask": [
        "Please fix this today.",
        "I want my money back.",
        "Call me back, please.",
        "Please tell me what you are going to do about it.",
        "I expect a replacement.",
        "",
    ],
    "pos_close": ["Will definitely order again.", "Keep it up!", "I'll recommend you to my friends.", ""],
    "recovery": [
        "Thanks for sorting out my complaint so quickly.",
        "Update: you fixed it, thank you.",
        "I was angry last time, but your team made it right.",
    ],
    "churn": [
        "If this isn't sorted I'm going to the competition.",
        "I'm cancelling my account.",
        "This was my last order with you.",
        "I regret ever buying from you.",
    ],
    "public": [
        "I'll post reviews everywhere so people know.",
        "I'm putting this on Trustpilot and Facebook.",
        "Everyone I know will hear about this.",
    ],
    "abuse": [
        "ARE YOU ALL IDIOTS???",
        "You are useless incompetent clowns.",
        "I pay your salary, so do your job!",
        "Listen to me you moron, get me a manager NOW.",
    ],
    "sarcasm": [
        "Ten days for a parcel, a world speed record! 🐌",
        "Great, just great, second broken one this month. Bravo.",
        "Wow, only an hour on hold today, amazing service 👏",
    ],
    "subject": {
        "negative": ["Complaint", "Order problem", "Still waiting", "Refund??", "Very disappointed"],
        "positive": ["Thank you", "Great service", "Just a quick thanks"],
        "neutral": ["Question", "Order enquiry", "Delivery question"],
    },
    "title": {
        "negative": ["Avoid", "Disappointed", "Terrible experience", "Not as described"],
        "positive": ["Excellent", "Very happy", "Great value", "Recommended"],
        "neutral": ["OK", "Average", "Does the job"],
    },
}

EL: dict[str, Any] = {
    "greet": ["Καλησπέρα σας,", "Γεια σας,", "Καλημέρα,", "", "", "Αξιότιμοι κύριοι,"],
    "repeat": [
        "Σας γράφω για τρίτη φορά για το ίδιο θέμα.",
        "Έκανα παράπονο και την περασμένη εβδομάδα, τίποτα.",
        "Πάλι το ίδιο πρόβλημα.",
        "Έχω ήδη τηλεφωνήσει δύο φορές.",
    ],
    "neg": {
        "delivery": [
            "Το δέμα μου δεν έχει έρθει ακόμα, δέκα μέρες μετά.",
            "Ο κούριερ το δήλωσε παραδομένο αλλά δεν ήρθε ποτέ τίποτα.",
            "Μου υποσχεθήκατε παράδοση τη Δευτέρα και σήμερα είναι Παρασκευή.",
            "Το {product} ήρθε με μια εβδομάδα καθυστέρηση και το κουτί διαλυμένο.",
        ],
        "quality": [
            "Το {product} χάλασε μετά από δύο χρήσεις.",
            "Το {product} είναι φτηνιάρικο, το καπάκι ράγισε από την πρώτη μέρα.",
            "Το χρώμα δεν έχει καμία σχέση με τη φωτογραφία στο site σας.",
        ],
        "staff": [
            "Ο υπάλληλος ήταν αγενής και μου έκλεισε το τηλέφωνο.",
            "Η πωλήτρια μου μίλησε υποτιμητικά, σαν να της έτρωγα τον χρόνο.",
            "Κανείς δεν με άκουσε, μου διάβαζαν απλώς ένα σενάριο.",
        ],
        "waiting": [
            "Περίμενα 40 λεπτά στην αναμονή και δεν απάντησε κανείς.",
            "Με έβαλαν τρεις φορές σε αναμονή και μετά κόπηκε η γραμμή.",
            "Το τηλέφωνο χτυπούσε ατελείωτα πριν σηκώσει κάποιος.",
        ],
        "price": [
            "Μου υποσχεθήκατε έκπτωση 30% και πήρα 15%.",
            "Με χρεώσατε δύο φορές για την ίδια παραγγελία.",
            "Η τιμή στο ταμείο ήταν μεγαλύτερη από αυτή στη σελίδα του προϊόντος.",
        ],
        "website": [
            "Η σελίδα πληρωμής κολλάει κάθε φορά που πάω να πληρώσω.",
            "Η εφαρμογή με αποσυνδέει όποτε ανοίγω τις παραγγελίες μου.",
            "Η σελίδα παρακολούθησης δεν δείχνει τίποτα εδώ και μια εβδομάδα.",
        ],
        "refund": [
            "Η επιστροφή χρημάτων ακυρώθηκε χωρίς καμία εξήγηση.",
            "Επέστρεψα το {product} πριν από έναν μήνα και ακόμα περιμένω τα λεφτά μου.",
            "Μου στέλνετε συνέχεια φόρμες αντί να μου επιστρέψετε τα χρήματα.",
        ],
    },
    "pos": {
        "delivery": [
            "Η παράδοση έγινε μία μέρα νωρίτερα από ό,τι είχατε πει.",
            "Ο κούριερ ήρθε στην ώρα του και ήταν πολύ ευγενικός.",
        ],
        "quality": [
            "Το {product} λειτουργεί άψογα, πολύ καλή ποιότητα.",
            "Εξαιρετικό {product}, ακριβώς όπως η περιγραφή.",
        ],
        "staff": [
            "Η υπάλληλος μου έλυσε το πρόβλημα σε πέντε λεπτά.",
            "Ο κύριος στο κατάστημα ήταν πολύ υπομονετικός μαζί μου.",
        ],
        "waiting": [
            "Σήκωσαν αμέσως το τηλέφωνο, καθόλου αναμονή.",
            "Με πήρατε πίσω σε δέκα λεπτά, όπως υποσχεθήκατε.",
        ],
        "price": ["Η έκπτωση μπήκε χωρίς καν να τη ζητήσω.", "Τίμια τιμή και δωρεάν μεταφορικά."],
        "website": [
            "Με τη νέα εφαρμογή βλέπω εύκολα πού βρίσκεται η παραγγελία μου.",
            "Η πληρωμή ολοκληρώθηκε σε ένα λεπτό, μπράβο.",
        ],
        "refund": [
            "Τα χρήματα γύρισαν στην κάρτα μου δύο μέρες μετά την επιστροφή.",
            "Η επιστροφή χρημάτων έγινε γρήγορα και χωρίς ταλαιπωρία.",
        ],
    },
    "neutral": [
        "Μπορείτε να μου πείτε πότε θα σταλεί η παραγγελία μου;",
        "Τι εγγύηση έχει το {product};",
        "Κάνετε αποστολές στην Κύπρο;",
        "Θα ήθελα να αλλάξω τη διεύθυνση παράδοσης.",
        "Είναι ανοιχτό το κατάστημα της Ερμού την Κυριακή;",
    ],
    "neg_feel": [
        "Είναι απαράδεκτο.",
        "Έχω εκνευριστεί πραγματικά.",
        "Απαίσια εξυπηρέτηση.",
        "Νιώθω ότι με αγνοείτε εντελώς.",
        "Πολύ απογοητευτικό.",
        "Περίμενα πολύ καλύτερα από εσάς.",
    ],
    "pos_feel": [
        "Είμαι πολύ ευχαριστημένος.",
        "Άψογη εξυπηρέτηση, σας ευχαριστώ!",
        "Πραγματικά εντυπωσιάστηκα.",
        "Το λατρεύω.",
        "Η καλύτερη εξυπηρέτηση που είχα εδώ και χρόνια.",
    ],
    "ask": [
        "Παρακαλώ λύστε το σήμερα.",
        "Θέλω τα χρήματά μου πίσω.",
        "Παρακαλώ καλέστε με.",
        "Πείτε μου τι σκοπεύετε να κάνετε.",
        "Περιμένω αντικατάσταση.",
        "",
    ],
    "pos_close": ["Σίγουρα θα ξαναπαραγγείλω.", "Συνεχίστε έτσι!", "Θα σας προτείνω στους φίλους μου.", ""],
    "recovery": [
        "Ευχαριστώ που λύσατε τόσο γρήγορα το παράπονό μου.",
        "Ενημέρωση: το διορθώσατε, ευχαριστώ.",
        "Την προηγούμενη φορά ήμουν θυμωμένος, αλλά η ομάδα σας τα έφτιαξε.",
    ],
    "churn": [
        "Αν δεν λυθεί, πάω στον ανταγωνισμό.",
        "Κλείνω τον λογαριασμό μου.",
        "Ήταν η τελευταία μου παραγγελία από εσάς.",
        "Μετανιώνω που ψώνισα από εσάς.",
    ],
    "public": [
        "Θα γράψω κριτικές παντού για να το μάθει ο κόσμος.",
        "Θα το ανεβάσω στο Facebook και στο Skroutz.",
        "Θα το μάθουν όλοι οι γνωστοί μου.",
    ],
    "abuse": [
        "ΕΙΣΤΕ ΟΛΟΙ ΑΧΡΗΣΤΟΙ;;;",
        "Είστε ανίκανοι και άχρηστοι.",
        "Εγώ πληρώνω τον μισθό σας, κάντε τη δουλειά σας!",
        "Άκου εδώ βλάκα, δώσε μου τον προϊστάμενο ΤΩΡΑ.",
    ],
    "sarcasm": [
        "Δέκα μέρες για ένα δέμα, παγκόσμιο ρεκόρ ταχύτητας! 🐌",
        "Τέλεια, δεύτερο χαλασμένο μέσα στον μήνα. Μπράβο σας.",
        "Μόνο μία ώρα αναμονή σήμερα, καταπληκτική εξυπηρέτηση 👏",
    ],
    "subject": {
        "negative": ["Παράπονο", "Πρόβλημα με την παραγγελία", "Ακόμα περιμένω", "Επιστροφή χρημάτων;"],
        "positive": ["Ευχαριστώ", "Εξαιρετική εξυπηρέτηση"],
        "neutral": ["Ερώτηση", "Σχετικά με την παραγγελία μου"],
    },
    "title": {
        "negative": ["Αποφύγετέ το", "Απογοήτευση", "Κακή εμπειρία", "Δεν είναι όπως η περιγραφή"],
        "positive": ["Εξαιρετικό", "Πολύ ευχαριστημένος", "Αξίζει τα λεφτά του"],
        "neutral": ["Εντάξει", "Μέτριο", "Κάνει τη δουλειά του"],
    },
}
