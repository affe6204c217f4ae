"""One customer across conversations and channels: identities, the customer-data provider (CRM) and skills."""
