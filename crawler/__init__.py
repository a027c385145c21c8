"""What all nianbao spiders share: settings, items, the portal registry, URL rules."""
